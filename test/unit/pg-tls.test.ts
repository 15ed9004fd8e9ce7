import { describe, expect, it } from 'vitest';
import { InvalidInput } from '../../src/domain/errors.js';
import { sslFromEnvironment } from '../../src/store/postgres/pg-tls.js';

describe('TLS to the team server: ?sslmode= in the URL, else PGSSLMODE', () => {
  const url = 'postgres://alice@db.example:5432/irr';
  it('the URL wins over PGSSLMODE (the client reads sslmode from the URL itself)', () => {
    expect(sslFromEnvironment(`${url}?sslmode=require`, { PGSSLMODE: 'disable' })).toBeUndefined();
  });
  it('PGSSLMODE applies when the URL says nothing; unset means the client default', () => {
    expect(sslFromEnvironment(url, { PGSSLMODE: 'require' })).toBe('require');
    expect(sslFromEnvironment(url, { PGSSLMODE: 'verify-full' })).toBe('verify-full');
    expect(sslFromEnvironment(url, { PGSSLMODE: 'verify-ca' })).toBe('verify-full');
    expect(sslFromEnvironment(url, { PGSSLMODE: 'disable' })).toBe(false);
    expect(sslFromEnvironment(url, {})).toBeUndefined();
  });
  it('an unknown mode is refused, naming the variable', () => {
    expect(() => sslFromEnvironment(url, { PGSSLMODE: 'always' })).toThrow(InvalidInput);
    expect(() => sslFromEnvironment(url, { PGSSLMODE: 'always' })).toThrow(/^PGSSLMODE: "always" is not an sslmode/);
  });
});
