// The only door to the Rust side: components call these functions, never `invoke` with
// strings, so the boundary is typed in one place and tests can replace it.
import { invoke } from "@tauri-apps/api/core";

/** Errors cross the boundary as a closed code and a message for people. */
export type ErrorCode =
  | "wrong_passphrase"
  | "weak_passphrase"
  | "not_a_vault"
  | "vault_exists"
  | "in_use"
  | "locked"
  | "io"
  | "corrupt"
  | "other";

export interface ApiError {
  code: ErrorCode;
  message: string;
}

export interface VaultStatus {
  path: string;
  exists: boolean;
  unlocked: boolean;
}

export interface ItemRow {
  id: string;
  name: string;
  media_type: string;
  size: number;
  imported_at: string;
}

export interface CaseRow {
  id: string;
  title: string;
}

export function isApiError(e: unknown): e is ApiError {
  return typeof e === "object" && e !== null && "code" in e && "message" in e;
}

export const api = {
  status: () => invoke<VaultStatus>("vault_status"),
  create: (passphrase: string) => invoke<void>("create_vault", { passphrase }),
  unlock: (passphrase: string) => invoke<void>("unlock", { passphrase }),
  lock: () => invoke<void>("lock"),
  items: () => invoke<ItemRow[]>("list_items"),
  cases: () => invoke<CaseRow[]>("list_cases"),
};
