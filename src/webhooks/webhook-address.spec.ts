import { checkAddress, checkWebhookUrl, resolveWebhookAddress, WebhookAddressError } from './webhook-address';

const strict = { allowHttpLoopback: false, allowedNetworks: [] };
const local = { allowHttpLoopback: true, allowedNetworks: [] };

describe('webhook addresses (docs/SECURITY.md WH-01..WH-03)', () => {
  it.each([
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '127.0.0.1',
    '169.254.169.254',
    '100.100.100.200',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    '64:ff9b::a00:1',
  ])('refuses %s over https', (address) => {
    expect(() => checkAddress(address, new URL('https://hook.example/'), strict)).toThrow(
      WebhookAddressError,
    );
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700::6810:85e5'])(
    'accepts the public address %s',
    (address) => {
      expect(() => checkAddress(address, new URL('https://hook.example/'), strict)).not.toThrow();
    },
  );

  it('accepts an allow-listed private network, and only that one', () => {
    const policy = { allowHttpLoopback: false, allowedNetworks: ['10.20.0.0/16'] };
    expect(() => checkAddress('10.20.3.4', new URL('https://hook.internal/'), policy)).not.toThrow();
    expect(() => checkAddress('10.21.3.4', new URL('https://hook.internal/'), policy)).toThrow(
      WebhookAddressError,
    );
  });

  it('allows plain http only to loopback, and only when configured', () => {
    expect(() => checkWebhookUrl('http://127.0.0.1:8080/hook', strict)).toThrow(/https/);
    expect(checkWebhookUrl('http://127.0.0.1:8080/hook', local).port).toBe('8080');
    expect(() => checkWebhookUrl('http://10.0.0.1/hook', local)).toThrow(/loopback/);
    expect(() => checkWebhookUrl('http://93.184.215.14/hook', local)).toThrow(/loopback/);
  });

  it('refuses credentials, other schemes and what is not a URL', () => {
    expect(() => checkWebhookUrl('https://a:b@example.com/', strict)).toThrow(/credentials/);
    expect(() => checkWebhookUrl('file:///etc/passwd', strict)).toThrow(/https/);
    expect(() => checkWebhookUrl('not a url', strict)).toThrow(/not a URL/);
  });

  it('checks a literal address at registration, a name only when it is resolved', async () => {
    expect(() => checkWebhookUrl('https://[fd00:ec2::254]/', strict)).toThrow(WebhookAddressError);
    expect(checkWebhookUrl('https://localhost/hook', strict).hostname).toBe('localhost');
    await expect(resolveWebhookAddress(new URL('https://localhost/hook'), strict)).rejects.toThrow(
      /loopback/,
    );
    await expect(resolveWebhookAddress(new URL('http://localhost:1/hook'), local)).resolves.toMatchObject({
      address: expect.stringMatching(/^(127\.0\.0\.1|::1)$/),
    });
  });
});
