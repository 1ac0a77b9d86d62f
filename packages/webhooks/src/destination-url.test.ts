import { describe, expect, it } from 'vitest';
import { isPublicAddress, refusalOf } from './destination-url.js';

describe('isPublicAddress', () => {
  it.each([
    ['8.8.8.8', true],
    ['1.1.1.1', true],
    ['2001:4860:4860::8888', true],
    ['127.0.0.1', false],
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['::1', false],
    ['::', false],
    ['fe80::1', false],
    ['fd00::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['not an address', false],
  ])('%s → %s', (address, expected) => {
    expect(isPublicAddress(address)).toBe(expected);
  });
});

describe('refusalOf', () => {
  it('allows a public https or http address', async () => {
    expect(await refusalOf('https://8.8.8.8/hook', false)).toBeUndefined();
    expect(await refusalOf('http://[2001:4860:4860::8888]:8080/', false)).toBeUndefined();
  });

  it.each([
    ['ftp://8.8.8.8/', 'must be an http or https URL'],
    ['file:///etc/passwd', 'must be an http or https URL'],
    ['/relative', 'not an absolute URL'],
    ['https://user:pw@8.8.8.8/', 'must not hold credentials'],
    ['http://127.0.0.1:9/', '127.0.0.1 is a loopback, link-local or private address'],
    ['http://[::1]/', '::1 is a loopback'],
    ['http://169.254.169.254/latest/meta-data', '169.254.169.254 is a loopback'],
    ['http://no-such-host.invalid/', 'host no-such-host.invalid does not resolve'],
  ])('refuses %s', async (url, reason) => {
    expect(await refusalOf(url, false)).toContain(reason);
  });

  it('refuses a name that resolves to loopback', async () => {
    expect(await refusalOf('http://localhost:8080/', false)).toMatch(
      /^localhost \((127\.0\.0\.1|::1)\) is a loopback/,
    );
  });

  it('allows private addresses when told to, and still only http(s)', async () => {
    expect(await refusalOf('http://127.0.0.1:9/', true)).toBeUndefined();
    expect(await refusalOf('http://localhost/', true)).toBeUndefined();
    expect(await refusalOf('gopher://127.0.0.1/', true)).toBe('must be an http or https URL');
  });
});
