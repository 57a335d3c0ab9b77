// Token strings as Ghostwriter mints them (spec §2): <gwst|gwat>_<16 lowercase hex>_<43 base64url>.
// Ghostwriter splits with split("_", 2) and then looks the prefix up, so any shape it could not
// have minted never authenticates there; parseToken must reject exactly those shapes and accept
// every minted one (including secrets that contain "_" or "-").

import { mintToken, opaqueKindOf, parseToken, TOKEN_LENGTH, TOKEN_PATTERN } from "../../webhook/credentials/token-format";

const PREFIX = "a0f02f188578a48b";
const SECRET = "ERJdqkkqz8U3Ny9cItiHT-1k62Ed4fNPPJ2LbjAVWH4";

describe("parseToken accepts Ghostwriter's shapes", () => {
  it("parses the documented examples of both kinds", () => {
    expect(parseToken(`gwat_${PREFIX}_${SECRET}`)).toEqual({ kind: "gwat", prefix: PREFIX, secret: SECRET });
    expect(parseToken("gwst_32fabb637697aad2_OPWZ2iI9fkPYdbtkHOxBucdPfVG0NDaWDmMu5icCkLM")).toEqual({
      kind: "gwst",
      prefix: "32fabb637697aad2",
      secret: "OPWZ2iI9fkPYdbtkHOxBucdPfVG0NDaWDmMu5icCkLM",
    });
  });

  it("keeps underscores inside the secret (split('_', 2) splits twice only)", () => {
    const secret = "__a_b_c" + "x".repeat(36);
    expect(secret).toHaveLength(43);
    expect(parseToken(`gwst_${PREFIX}_${secret}`)).toEqual({ kind: "gwst", prefix: PREFIX, secret });
    const allSpecial = "_-".repeat(21) + "_";
    expect(parseToken(`gwat_${PREFIX}_${allSpecial}`)?.secret).toBe(allSpecial);
  });

  it("is 65 characters long", () => {
    expect(TOKEN_LENGTH).toBe(65);
    expect(`gwst_${PREFIX}_${SECRET}`).toHaveLength(65);
  });
});

describe("parseToken rejects every malformed shape", () => {
  const cases: Array<[string, string]> = [
    ["empty", ""],
    ["kind only", "gwst_"],
    ["wrong kind", `gwxt_${PREFIX}_${SECRET}`],
    ["uppercase kind", `GWST_${PREFIX}_${SECRET}`],
    ["kind without underscore", `gwst${PREFIX}_${SECRET}x`],
    ["legacy JWT-looking value", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJlc2ln"],
    ["uppercase hex prefix", `gwst_${PREFIX.toUpperCase()}_${SECRET}`],
    ["one uppercase hex digit", `gwst_A0f02f188578a48b_${SECRET}`],
    ["non-hex prefix", `gwst_g0f02f188578a48b_${SECRET}`],
    ["short prefix (15)", `gwst_${PREFIX.slice(1)}_${SECRET}x`],
    ["long prefix (17)", `gwst_${PREFIX}0_${SECRET.slice(1)}`],
    ["empty prefix (double underscore)", `gwst__${PREFIX}${SECRET}`],
    ["prefix split by an underscore", `gwst_a0f02f18_8578a48b_${SECRET.slice(1)}`],
    ["missing second separator", `gwst_${PREFIX}x${SECRET}`],
    ["short secret (42)", `gwst_${PREFIX}_${SECRET.slice(1)}`],
    ["long secret (44)", `gwst_${PREFIX}_${SECRET}A`],
    ["secret with '+' (base64, not base64url)", `gwst_${PREFIX}_${SECRET.slice(0, 42)}+`],
    ["secret with '/'", `gwst_${PREFIX}_/${SECRET.slice(1)}`],
    ["secret with '=' padding", `gwst_${PREFIX}_${SECRET.slice(0, 42)}=`],
    ["secret with '.'", `gwst_${PREFIX}_${SECRET.slice(0, 42)}.`],
    ["secret with a non-ASCII letter", `gwst_${PREFIX}_${SECRET.slice(0, 42)}é`],
    ["leading space", ` gwst_${PREFIX}_${SECRET.slice(1)}`],
    ["trailing space", `gwst_${PREFIX}_${SECRET.slice(1)} `],
    ["trailing newline", `gwst_${PREFIX}_${SECRET}\n`],
    ["trailing newline within 65 chars", `gwst_${PREFIX}_${SECRET.slice(1)}\n`],
    ["tab inside", `gwst_${PREFIX}_${SECRET.slice(0, 20)}\t${SECRET.slice(21)}`],
    ["whitespace only", " ".repeat(65)],
    ["NUL byte inside", `gwst_${PREFIX}_${SECRET.slice(0, 42)}\u0000`],
    ["Bearer scheme left on", `Bearer gwst_${PREFIX}_${SECRET}`],
    ["two tokens joined", `gwst_${PREFIX}_${SECRET}gwst_${PREFIX}_${SECRET}`],
  ];

  it.each(cases)("%s", (_label, value) => {
    expect(parseToken(value)).toBeUndefined();
  });

  it("rejects every kind other than gwst and gwat", () => {
    for (const kind of ["gwsT", "gwAt", "gwx", "gws", "gwatt", "gwst ", "xwst", "gwtk"]) {
      expect(parseToken(`${kind}_${PREFIX}_${SECRET}`)).toBeUndefined();
    }
  });
});

describe("opaqueKindOf decides the family by prefix only, as Ghostwriter's dispatch does", () => {
  it("names gwst_ and gwat_ values even when the rest is malformed", () => {
    expect(opaqueKindOf(`gwst_${PREFIX}_${SECRET}`)).toBe("gwst");
    expect(opaqueKindOf("gwat_nonsense")).toBe("gwat");
    expect(opaqueKindOf("gwst_")).toBe("gwst");
  });

  it("leaves everything else to the JWT path", () => {
    expect(opaqueKindOf("gwst")).toBeUndefined();
    expect(opaqueKindOf("GWST_abc")).toBeUndefined();
    expect(opaqueKindOf(" gwst_abc")).toBeUndefined();
    expect(opaqueKindOf("eyJhbGciOi")).toBeUndefined();
    expect(opaqueKindOf("")).toBeUndefined();
  });
});

describe("mintToken", () => {
  it.each(["gwst", "gwat"] as const)("mints %s tokens of the exact shape, which parse back to their parts", (kind) => {
    const minted = mintToken(kind);
    expect(minted.token).toHaveLength(65);
    expect(minted.token).toBe(`${kind}_${minted.prefix}_${minted.secret}`);
    expect(minted.kind).toBe(kind);
    expect(minted.prefix).toMatch(/^[0-9a-f]{16}$/);
    expect(minted.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(TOKEN_PATTERN.test(minted.token)).toBe(true);
    expect(parseToken(minted.token)).toEqual({ kind, prefix: minted.prefix, secret: minted.secret });
  });

  it("secrets are the unpadded base64url of 32 bytes (token_urlsafe(32)), prefixes 8 bytes of hex (token_hex(8))", () => {
    for (let i = 0; i < 50; i += 1) {
      const { prefix, secret } = mintToken("gwst");
      const bytes = Buffer.from(secret, "base64url");
      expect(bytes).toHaveLength(32);
      expect(bytes.toString("base64url")).toBe(secret); // canonical: no stray low bits in the last character
      expect(Buffer.from(prefix, "hex")).toHaveLength(8);
    }
  });

  it("never repeats a prefix or a secret, and uses the whole alphabet", () => {
    const prefixes = new Set<string>();
    const secrets = new Set<string>();
    const secretChars = new Set<string>();
    const prefixChars = new Set<string>();
    const n = 2000;
    for (let i = 0; i < n; i += 1) {
      const { prefix, secret } = mintToken(i % 2 === 0 ? "gwst" : "gwat");
      prefixes.add(prefix);
      secrets.add(secret);
      for (const c of secret) secretChars.add(c);
      for (const c of prefix) prefixChars.add(c);
    }
    expect(prefixes.size).toBe(n);
    expect(secrets.size).toBe(n);
    // 2000 × 43 random characters: every one of the 64 base64url characters shows up.
    expect([...secretChars].sort().join("")).toBe([..."-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"].sort().join(""));
    expect([...prefixChars].sort().join("")).toBe("0123456789abcdef");
  });
});
