/** How long the client waits between reconnect attempts. It never gives up. */
export interface BackoffOptions {
  /** Delay before the second attempt; the first one is immediate. Default 500 ms. */
  initialDelayMs?: number;
  /** Upper bound of any delay. Default 30 s. */
  maxDelayMs?: number;
}

/**
 * Exponential backoff with full jitter in the upper half, capped, forever: a relay that comes back after an
 * hour is found again, and a thousand tabs that lost it at once do not return in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  if (attempt <= 0) {
    return 0;
  }

  const initial = options.initialDelayMs ?? 500;
  const max = options.maxDelayMs ?? 30_000;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
