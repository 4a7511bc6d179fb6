/** Who may call the API: role ranks, open mode, the bearer header, the Host names answered. */
import { describe, expect, it } from 'vitest';
import {
  allowedHostNames,
  bearerToken,
  hostAllowed,
  hostName,
  isLoopbackHost,
  isOpenMode,
  roleReaches,
  touchDue,
  type Role,
} from '../../src/domain/access.ts';

describe('roleReaches', () => {
  // Rows: the caller's role; columns: what the route needs (reader, writer, admin).
  const table: Array<[Role, [boolean, boolean, boolean]]> = [
    ['reader', [true, false, false]],
    ['writer', [true, true, false]],
    ['admin', [true, true, true]],
  ];
  it.each(table)('a %s token reaches reader/writer/admin routes: %j', (role, expected) => {
    expect((['reader', 'writer', 'admin'] as const).map((needed) => roleReaches(role, needed))).toEqual(expected);
  });
});

describe('isLoopbackHost', () => {
  it.each(['localhost', '127.0.0.1', '127.1.2.3', '::1'])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });
  it.each(['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '::2', 'example.com', 'localhost.example.com', '127.example.com', ''])(
    '%j is not loopback',
    (host) => {
      expect(isLoopbackHost(host)).toBe(false);
    },
  );
});

describe('isOpenMode', () => {
  it('lets a loopback API without any token ever created in', () => {
    expect(isOpenMode({ loopback: true, openConfigured: false, tokenEverExisted: false })).toBe(true);
  });
  it('closes a loopback API once a token has existed, unless ASSAY_OPEN says otherwise', () => {
    expect(isOpenMode({ loopback: true, openConfigured: false, tokenEverExisted: true })).toBe(false);
    expect(isOpenMode({ loopback: true, openConfigured: true, tokenEverExisted: true })).toBe(true);
  });
  it('never opens a network-bound API, whatever the configuration', () => {
    for (const openConfigured of [false, true]) {
      for (const tokenEverExisted of [false, true]) {
        expect(isOpenMode({ loopback: false, openConfigured, tokenEverExisted })).toBe(false);
      }
    }
  });
});

describe('bearerToken', () => {
  it('reads the token of a Bearer value, the scheme in any case', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer   tok')).toBe('tok');
    expect(bearerToken('BEARER\ttok')).toBe('tok');
  });
  it.each(['abc', 'Basic abc', 'Bearer', 'Bearer ', 'Bearer a b', 'xBearer abc', 'Bearer abc '])('refuses %j', (header) => {
    expect(bearerToken(header)).toBeUndefined();
  });
});

describe('Host names', () => {
  it('a loopback API answers to the loopback names only, by default', () => {
    const allowed = allowedHostNames(undefined, true);
    expect(allowed).toEqual(['localhost', '127.0.0.1', '[::1]']);
    for (const header of ['localhost:8080', '127.0.0.1', '[::1]:8080', 'LOCALHOST']) expect(hostAllowed(allowed, header)).toBe(true);
    for (const header of ['evil.example:8080', 'localhost.evil.example', '', '127.0.0.2']) expect(hostAllowed(allowed, header)).toBe(false);
  });
  it('a network-bound API answers to any name unless names are configured', () => {
    expect(allowedHostNames(undefined, false)).toBeUndefined();
    expect(hostAllowed(undefined, 'anything.example')).toBe(true);
  });
  it('configured names replace the defaults, and * allows any', () => {
    const allowed = allowedHostNames(['assay.example'], true);
    expect(allowed).toEqual(['assay.example']);
    expect(hostAllowed(allowed, 'Assay.Example:443')).toBe(true);
    expect(hostAllowed(allowed, 'localhost')).toBe(false);
    expect(hostAllowed(['*'], 'anything.example')).toBe(true);
  });
  it('reads the host part of a header: lower-cased, port dropped, IPv6 brackets kept', () => {
    expect(hostName('  Example.COM:8080 ')).toBe('example.com');
    expect(hostName('example.com')).toBe('example.com');
    expect(hostName('[::1]:8080')).toBe('[::1]');
    expect(hostName('[::1]')).toBe('[::1]');
    expect(hostName('')).toBe('');
  });
});

describe('touchDue', () => {
  it('writes a token use once per interval', () => {
    expect(touchDue(60_000, 0, 60_000)).toBe(true);
    expect(touchDue(119_999, 60_000, 60_000)).toBe(false);
    expect(touchDue(120_000, 60_000, 60_000)).toBe(true);
  });
});
