import { hashSecret, keyIdOf, mintToken, parseToken, secretMatches, TOKEN_SHAPE } from './token-format';

describe('token format (SECURITY.md KEY-01)', () => {
  it('stores SHA-256 of the secret, as tokens issued by earlier versions were (they must still verify)', () => {
    expect(hashSecret('abc').toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('mints a recognisable token with ≥160 bits of secret entropy', () => {
    const minted = mintToken('ksc', 'live');
    expect(minted.token).toMatch(/^ksc_live_[0-9A-Za-z]{12}_[0-9A-Za-z]{38}$/);
    expect(TOKEN_SHAPE.SECRET_LENGTH * Math.log2(62)).toBeGreaterThan(160);
    expect(minted.secretHash.equals(hashSecret(minted.secret))).toBe(true);
    expect(minted.lastFour).toBe(minted.token.slice(-4));
  });

  it('mints different tokens each time', () => {
    const tokens = new Set(Array.from({ length: 200 }, () => mintToken('ksc', 'test').token));
    expect(tokens.size).toBe(200);
  });

  it('parses a token it minted', () => {
    const minted = mintToken('ksc', 'live');
    expect(parseToken(minted.token, 'ksc')).toEqual({
      kind: 'ksc',
      keyId: minted.keyId,
      secret: minted.secret,
    });
  });

  it('detects every single-character change through the checksum', () => {
    const { token } = mintToken('ksc', 'live');
    const body = token.indexOf('_', 9) + 1; // first character of the secret
    for (let i = body; i < token.length; i++) {
      const replacement = token[i] === 'a' ? 'b' : 'a';
      const typo = token.slice(0, i) + replacement + token.slice(i + 1);
      expect(parseToken(typo, 'ksc')).toBeNull();
    }
  });

  it.each([
    ['empty', ''],
    ['a word', 'Bearer'],
    ['too short', 'ksc_live_short'],
    ['very long', 'x'.repeat(10000)],
  ])('rejects a token that is %s', (_label, presented) => {
    expect(parseToken(presented, 'ksc')).toBeNull();
  });

  it('rejects a staff token where a tenant token is expected', () => {
    expect(parseToken(mintToken('kst', 'live').token, 'ksc')).toBeNull();
  });

  it('compares secrets against the stored hash', () => {
    const minted = mintToken('ksc', 'live');
    expect(secretMatches(minted.secret, minted.secretHash)).toBe(true);
    expect(secretMatches(minted.secret.replace(/.$/, '0'), minted.secretHash)).toBe(
      minted.secret.endsWith('0'),
    );
  });

  it('names the key id of a well-formed token of either kind, for the failed-authentication limiter (REL-RATE-04)', () => {
    for (const kind of ['ksc', 'kst'] as const) {
      const minted = mintToken(kind, 'test');
      expect(keyIdOf(minted.token)).toBe(minted.keyId);
    }
    const token = mintToken('ksc', 'live').token;
    expect(keyIdOf(token.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')))).toBeNull();
    expect(keyIdOf('ksc_live_guess')).toBeNull();
  });
});
