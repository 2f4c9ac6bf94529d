"use client";

import { useEffect, useRef } from "react";
import type { InvalidateMessage } from "@reflector/relay-client";
import { useRelaySession } from "./RelayProvider.js";

/**
 * Calls `handler` with every `invalidate` message the relay sends this tab (one per Reflector user event), and with
 * `resync` when events may have been missed. The latest `handler` is called; it need not be memoised.
 */
export function useUserEvents(handler: (message: InvalidateMessage) => void): void {
  const session = useRelaySession("useUserEvents");
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });

  useEffect(() => session.addEventListener((message) => latest.current(message)), [session]);
}
