/** Thrown inside an append when another writer got there first; the engine reloads and retries. Shared by both drivers. */
export class StaleHead extends Error {
  constructor(
    readonly incident: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`incident ${incident}: expected head seq ${expected}, found ${actual}`);
  }
}
