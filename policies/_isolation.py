"""One rule's failure stays with that rule: an unexpected exception becomes a violation of the rule.

pulumi-policy's analyzer catches only its own control flow around a policy's ``validate`` (an unknown value:
"can't run policy ... during preview"; ``args.not_applicable()``). Any other exception escapes ``Analyze`` or
``AnalyzeStack`` as a gRPC error, and the CLI then fails the whole ``pulumi preview`` with an analyzer error
that names neither the rule nor the resource, and reports no verdict at all.

:func:`isolate` wraps each policy's ``validate`` at pack assembly (so it holds wherever the pack runs: the
real CLI, preflight, tests). An exception other than the SDK's control flow is reported through the policy's
own ``report_violation`` (so at the policy's enforcement level) as a violation naming the resource and the
error's type and message, without a traceback; every other policy still judges the resource.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from inspect import isawaitable
from typing import Any

from pulumi_policy import Policy, ReportViolation, ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError

#: The SDK's own control flow, handled by its analyzer server: never turned into a violation.
CONTROL_FLOW: tuple[type[BaseException], ...] = (UnknownValueError, _NotApplicableError)
#: At most this many characters of an exception's message go into the violation.
_MAX_DETAIL = 300
_MARK = "_eks_platform_isolated"


def describe_error(exc: BaseException) -> str:
    """``Type: message``, on one line and bounded (a message may quote a whole 200 kB property)."""
    try:
        detail = " ".join(str(exc).split())
    except Exception:  # noqa: BLE001 - a broken __str__ must not hide the type
        detail = ""
    if len(detail) > _MAX_DETAIL:
        detail = detail[:_MAX_DETAIL] + "..."
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def failure_message(policy_name: str, subject: str, exc: BaseException) -> str:
    """What a user reads when ``policy_name`` raised while judging ``subject``."""
    return (f"the rule {policy_name} failed on {subject} and could not judge it: {describe_error(exc)}. "
            "This is a defect in the rule, not a finding: report it to the policy pack's maintainers with the "
            "inputs. The other rules' verdicts are unaffected.")


def _guarded(awaitable: Awaitable[Any], on_error: Callable[[BaseException], None]) -> Awaitable[Any]:
    async def run() -> Any:
        try:
            return await awaitable
        except CONTROL_FLOW:
            raise
        except Exception as exc:  # noqa: BLE001 - the point of this module
            on_error(exc)
            return None
    return run()


def isolate(policy: Policy) -> Policy:
    """Wrap ``policy.validate`` (resource or stack policy) in place; return ``policy``. Idempotent.

    The wrapper is an instance attribute over the SDK's method, so the policy keeps its name, metadata, config
    schema and ``has_validation()``; the analyzer calls ``policy.validate(args, report_violation)`` as before.
    """
    if getattr(policy, _MARK, False):
        return policy
    if not isinstance(policy, (ResourceValidationPolicy, StackValidationPolicy)):
        return policy
    original = policy.validate
    stack = isinstance(policy, StackValidationPolicy)

    def validate(args: Any, report_violation: ReportViolation) -> Any:
        if stack:
            subject, urn = "the stack", None
        else:
            urn = getattr(args, "urn", None) or None
            subject = urn or f"resource {getattr(args, 'name', '?')}"

        def on_error(exc: BaseException) -> None:
            report_violation(failure_message(policy.name, subject, exc), urn)

        try:
            result = original(args, report_violation)
        except CONTROL_FLOW:
            raise
        except Exception as exc:  # noqa: BLE001 - the point of this module
            on_error(exc)
            return None
        if result is not None and isawaitable(result):
            return _guarded(result, on_error)
        return result

    policy.validate = validate  # type: ignore[method-assign]
    setattr(policy, _MARK, True)
    return policy


def isolate_all(policies: list[Policy]) -> list[Policy]:
    """:func:`isolate` every policy of a pack; the same list, for ``PolicyPack(policies=...)``."""
    for policy in policies:
        isolate(policy)
    return policies
