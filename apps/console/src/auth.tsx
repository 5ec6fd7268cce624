import type { ChainwatchClient, Principal } from "@chainwatch/client";
import { createContext, type ReactNode, useContext } from "react";

export interface Auth {
  client: ChainwatchClient;
  principal: Principal;
  signOut(): void;
}

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ value, children }: { value: Auth; children: ReactNode }) {
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

/** The signed-in client and principal; pages are only rendered inside the provider, after sign-in. */
export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}

/** What each role may do in the console, as apps/api-gateway/src/auth/permissions.ts grants it. */
const CAN = {
  read: ["viewer", "analyst", "admin"],
  review: ["analyst", "admin"],
  writeLabels: ["analyst", "admin"],
  analyzeModels: ["analyst", "admin"],
  manageModels: ["admin"],
  manageAccess: ["admin"],
  readAlerts: ["analyst", "admin"],
  manageAlerts: ["admin"],
} as const satisfies Record<string, readonly Principal["role"][]>;

/**
 * Whether to offer an action. The gateway decides (403 otherwise, shown like any error); this only hides
 * buttons the signed-in role can never use.
 */
export const can = (principal: Principal, action: keyof typeof CAN) =>
  (CAN[action] as readonly string[]).includes(principal.role);
