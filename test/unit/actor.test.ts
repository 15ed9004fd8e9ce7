import { describe, expect, it } from 'vitest';
import { isSystemAccount } from '../../src/cli/context.js';

describe('an OS account is never silently the actor when it is not a person', () => {
  it('treats root, uid 0, service uids and nobody as system accounts; a person\'s account is not', () => {
    expect(isSystemAccount({ name: 'root', uid: 0 })).toBe(true);
    expect(isSystemAccount({ name: 'toor', uid: 0 })).toBe(true);
    expect(isSystemAccount({ name: 'www-data', uid: 33 })).toBe(true);
    expect(isSystemAccount({ name: 'nobody', uid: 65534 })).toBe(true);
    expect(isSystemAccount({ name: 'Administrator', uid: -1 })).toBe(true);
    expect(isSystemAccount({ name: 'alice', uid: 1000 })).toBe(false);
    expect(isSystemAccount({ name: 'alice', uid: -1 })).toBe(false);
  });
});
