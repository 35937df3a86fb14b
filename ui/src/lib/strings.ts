// Every string the UI shows, in one catalogue so translations can be added beside it.
export const en = {
  appName: "Dossier",
  unlockTitle: "Unlock your vault",
  createTitle: "Create your vault",
  createHint:
    "Choose a passphrase of six or more random words. It cannot be recovered: keep a recovery identity offline.",
  passphrase: "Passphrase",
  confirm: "Confirm passphrase",
  unlock: "Unlock",
  create: "Create vault",
  lock: "Lock",
  mismatch: "The two passphrases differ.",
  items: "Evidence",
  cases: "Cases",
  name: "Name",
  type: "Type",
  size: "Size",
  imported: "Imported",
  noItems: "No evidence yet.",
  noCases: "No cases yet.",
  working: "Working…",
} as const;

export type Strings = typeof en;
export const t: Strings = en;
