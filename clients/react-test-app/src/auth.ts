// A stand-in for Reflector's AuthProvider: the same four states, tokens from the test's fake API (which has the
// simulated Reflector sign them), and buttons to sign in, refresh and sign out.
import { useSyncExternalStore } from "react";
import type { AuthStatus } from "@reflector/relay-react";

export type AuthState =
  | { status: "loading" }
  | { status: "refreshing"; user: string }
  | { status: "unauthenticated" }
  | { status: "authenticated"; user: string; accessToken: string };

export class FakeAuth {
  private state: AuthState = { status: "unauthenticated" };
  private readonly listeners = new Set<() => void>();
  /** The token the API client and the relay use: the last one issued, kept through a refresh, dropped at sign-out. */
  private token: string | null = null;
  /** Every token issued, in order. */
  readonly issued: string[] = [];

  readonly subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getState = () => this.state;

  readonly getToken = () => this.token;

  async signIn(user: string): Promise<void> {
    this.set({ status: "loading" });
    const token = await this.issue(user);
    this.token = token;
    this.set({ status: "authenticated", user, accessToken: token });
  }

  /** What next-auth's session refresh looks like from the app: `refreshing`, then a new token. */
  async refresh(): Promise<void> {
    const state = this.state;
    if (state.status !== "authenticated") {
      return;
    }

    this.set({ status: "refreshing", user: state.user });
    const token = await this.issue(state.user);
    this.token = token;
    this.set({ status: "authenticated", user: state.user, accessToken: token });
  }

  signOut(): void {
    this.token = null;
    this.set({ status: "unauthenticated" });
  }

  private async issue(user: string): Promise<string> {
    const response = await fetch(`/test/tokens?user=${encodeURIComponent(user)}`, { method: "POST" });
    const { token } = (await response.json()) as { token: string };
    this.issued.push(token);
    return token;
  }

  private set(state: AuthState): void {
    this.state = state;
    for (const listener of [...this.listeners]) {
      listener();
    }
  }
}

export function useAuth(auth: FakeAuth): AuthState & { status: AuthStatus } {
  return useSyncExternalStore(auth.subscribe, auth.getState);
}
