/** Facts about directives that several rules share. */

/** [Unit] settings of the start-rate limit and unit actions, which people put in [Service] by mistake. */
export const START_LIMIT_FAMILY = /^(StartLimit(IntervalSec|Interval|Burst|Action)|SuccessAction|FailureAction|SuccessActionExitStatus|FailureActionExitStatus|RebootArgument|JobTimeoutSec|JobRunningTimeoutSec|JobTimeoutAction|JobTimeoutRebootArgument)$/;

/** The unit-type section of a unit type: service → Service. */
export function typeSection(type: string): string {
  return type[0].toUpperCase() + type.slice(1);
}
