// Django's password-hash strings (spec §2 "Hashing"): the sidecar must verify what Ghostwriter
// stored (Argon2id at Django's m=102400,t=2,p=8, and PBKDF2 strings a Django deployment may have
// written), write strings Django can read, and fail closed — false, never a throw — on anything else.
// Expected values are computed independently here (node:crypto for PBKDF2, @node-rs/argon2 directly)
// or come from literal fixtures made outside this code (tests/fixtures/django-hashes.json).

import { pbkdf2Sync } from "node:crypto";
import * as argon2 from "@node-rs/argon2";
import { argon2Parameters, hashAlgorithm, hashSecret, verifySecret } from "../../webhook/credentials/django-hashers";
import fixtures from "../fixtures/django-hashes.json";
import { CHEAP_ARGON2 } from "../support/seed";

const SECRET = fixtures.secret;
const WRONG = `${SECRET.slice(0, 42)}B`;
const DJANGO_DEFAULT = { memoryCost: 102400, timeCost: 2, parallelism: 8 };

describe("literal Django hash strings (fixtures)", () => {
  it("verifies the Argon2id string at Django's defaults, and rejects a one-character change of the secret", async () => {
    const encoded = fixtures.hashes.argon2id_django_default;
    expect(encoded.startsWith("argon2$argon2id$v=19$m=102400,t=2,p=8$")).toBe(true);
    await expect(verifySecret(SECRET, encoded)).resolves.toBe(true);
    await expect(verifySecret(WRONG, encoded)).resolves.toBe(false);
  });

  it("verifies Argon2id at other parameters and Django's older argon2i strings (with and without v=)", async () => {
    await expect(verifySecret(SECRET, fixtures.hashes.argon2id_cheap)).resolves.toBe(true);
    await expect(verifySecret(SECRET, fixtures.hashes.argon2i_legacy_v19)).resolves.toBe(true);
    await expect(verifySecret(SECRET, fixtures.hashes.argon2i_legacy_versionless)).resolves.toBe(true);
    await expect(verifySecret(WRONG, fixtures.hashes.argon2i_legacy_versionless)).resolves.toBe(false);
  });

  it("verifies the PBKDF2-SHA256 and PBKDF2-SHA1 strings (600000 iterations, Django 4.2's default)", async () => {
    await expect(verifySecret(SECRET, fixtures.hashes.pbkdf2_sha256)).resolves.toBe(true);
    await expect(verifySecret(SECRET, fixtures.hashes.pbkdf2_sha1)).resolves.toBe(true);
    await expect(verifySecret(WRONG, fixtures.hashes.pbkdf2_sha256)).resolves.toBe(false);
    await expect(verifySecret(WRONG, fixtures.hashes.pbkdf2_sha1)).resolves.toBe(false);
  });

  it("does not accept one algorithm's string relabelled as another", async () => {
    const relabelled = fixtures.hashes.pbkdf2_sha256.replace("pbkdf2_sha256$", "pbkdf2_sha1$");
    await expect(verifySecret(SECRET, relabelled)).resolves.toBe(false);
    const asArgon2i = fixtures.hashes.argon2id_cheap.replace("$argon2id$", "$argon2i$");
    await expect(verifySecret(SECRET, asArgon2i)).resolves.toBe(false);
  });
});

describe("Argon2id strings produced by @node-rs/argon2 in Django's encoding", () => {
  it("verifies a hash made at m=102400,t=2,p=8 with a Django-style salt, prefixed 'argon2'", async () => {
    // Django's salt is 22 random alphanumerics, passed to argon2 as their bytes.
    const salt = Buffer.from("Zt5PqW8nLx2RkC7vBm4sHa");
    const phc = await argon2.hash(SECRET, { algorithm: 2, ...DJANGO_DEFAULT, outputLen: 32, salt });
    const encoded = `argon2${phc}`;
    expect(encoded).toMatch(/^argon2\$argon2id\$v=19\$m=102400,t=2,p=8\$[A-Za-z0-9+/]{30}\$[A-Za-z0-9+/]{43}$/);
    await expect(verifySecret(SECRET, encoded)).resolves.toBe(true);
    await expect(verifySecret(WRONG, encoded)).resolves.toBe(false);
  });
});

describe("hashSecret writes what Django reads", () => {
  it("encodes Argon2id with the configured parameters and a 32-byte hash", async () => {
    const encoded = await hashSecret(SECRET, CHEAP_ARGON2);
    const fields = encoded.split("$");
    expect(fields).toHaveLength(6);
    expect(fields.slice(0, 4)).toEqual(["argon2", "argon2id", "v=19", "m=8192,t=1,p=1"]);
    expect(Buffer.from(fields[4] as string, "base64").length).toBeGreaterThanOrEqual(16); // Django needs >= 8
    expect(Buffer.from(fields[5] as string, "base64")).toHaveLength(32); // Django's hash_len
    expect(fields[5]).not.toContain("="); // argon2's PHC base64 is unpadded, as Django writes it
    // The PHC part is what Django hands to argon2-cffi: any argon2 implementation verifies it.
    await expect(argon2.verify(encoded.slice("argon2".length), SECRET)).resolves.toBe(true);
    await expect(verifySecret(SECRET, encoded)).resolves.toBe(true);
    await expect(verifySecret(WRONG, encoded)).resolves.toBe(false);
  });

  it("salts every hash: the same secret never hashes to the same string", async () => {
    const a = await hashSecret(SECRET, CHEAP_ARGON2);
    const b = await hashSecret(SECRET, CHEAP_ARGON2);
    expect(a).not.toBe(b);
    expect(argon2Parameters(a)).toEqual(CHEAP_ARGON2);
  });
});

describe("PBKDF2 strings computed independently with node:crypto", () => {
  const cases = [
    { name: "pbkdf2_sha256", digest: "sha256", length: 32 },
    { name: "pbkdf2_sha1", digest: "sha1", length: 20 },
  ] as const;

  it.each(cases)("$name verifies the right secret only", async ({ name, digest, length }) => {
    const salt = "aB3dE5gH7jK9mN1pQ3sT5v";
    const iterations = 1000;
    const hash = pbkdf2Sync(SECRET, salt, iterations, length, digest).toString("base64");
    const encoded = `${name}$${iterations}$${salt}$${hash}`;
    await expect(verifySecret(SECRET, encoded)).resolves.toBe(true);
    await expect(verifySecret(WRONG, encoded)).resolves.toBe(false);
    // A different iteration count or salt is a different hash.
    await expect(verifySecret(SECRET, `${name}$${iterations + 1}$${salt}$${hash}`)).resolves.toBe(false);
    await expect(verifySecret(SECRET, `${name}$${iterations}$${salt}x$${hash}`)).resolves.toBe(false);
  });

  it("hashes the secret as UTF-8, as Django's force_bytes does", async () => {
    const secret = "pässwörd-ü-日本";
    const hash = pbkdf2Sync(Buffer.from(secret, "utf8"), "salty", 10, 32, "sha256").toString("base64");
    await expect(verifySecret(secret, `pbkdf2_sha256$10$salty$${hash}`)).resolves.toBe(true);
  });
});

describe("malformed and unknown hash strings fail closed", () => {
  const goodPbkdf2 = `pbkdf2_sha256$1000$salt$${pbkdf2Sync(SECRET, "salt", 1000, 32, "sha256").toString("base64")}`;
  const [, , , goodPbkdf2Hash] = goodPbkdf2.split("$") as [string, string, string, string];
  const bad: Array<[string, string | null | undefined]> = [
    ["null (legacy api_apikey row)", null],
    ["undefined", undefined],
    ["empty", ""],
    ["Django's unusable password marker", "!"],
    ["unusable password with random suffix", "!kG3vB9qL2x"],
    ["the plaintext secret itself", SECRET],
    ["algorithm name only", "argon2"],
    ["argon2 with nothing after", "argon2$"],
    ["argon2 without the variant's $", "argon2argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHQ$aGFzaA"],
    ["argon2 garbage", "argon2$argon2id$garbage"],
    ["argon2 missing hash", "argon2$argon2id$v=19$m=102400,t=2,p=8$UW03WnJXMnhLcDlMdFY0bkI4c1lkRQ"],
    ["argon2 empty hash", "argon2$argon2id$v=19$m=102400,t=2,p=8$UW03WnJXMnhLcDlMdFY0bkI4c1lkRQ$"],
    ["argon2 unknown variant", fixtures.hashes.argon2id_cheap.replace("$argon2id$", "$argon2x$")],
    ["argon2 unknown version", fixtures.hashes.argon2id_cheap.replace("v=19", "v=99")],
    ["argon2 non-numeric cost", fixtures.hashes.argon2id_cheap.replace("m=8192", "m=lots")],
    ["argon2 truncated hash", fixtures.hashes.argon2id_cheap.slice(0, -5)],
    ["argon2 uppercase algorithm", fixtures.hashes.argon2id_cheap.replace(/^argon2/, "ARGON2")],
    ["PHC string without Django's prefix", fixtures.hashes.argon2id_cheap.slice("argon2".length)],
    ["md5 (Ghostwriter's test hasher)", "md5$salt$0d107d09f5bbe40cade3de5c71e9e9b7"],
    ["unsalted md5", "unsalted_md5$5f4dcc3b5aa765d61d8327deb882cf99"],
    ["bcrypt_sha256 (unsupported)", "bcrypt_sha256$$2b$12$abcdefghijklmnopqrstuuJ2n1yXlH5YdB4F7WjJY9M0kzQxD5yK6"],
    ["sha1 (unsupported)", "sha1$salt$a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"],
    ["pbkdf2 without fields", "pbkdf2_sha256$"],
    ["pbkdf2 missing hash", "pbkdf2_sha256$1000$salt"],
    ["pbkdf2 empty hash", "pbkdf2_sha256$1000$salt$"],
    ["pbkdf2 empty salt", `pbkdf2_sha256$1000$$${goodPbkdf2Hash}`],
    ["pbkdf2 extra field", `${goodPbkdf2}$extra`],
    ["pbkdf2 non-numeric iterations", `pbkdf2_sha256$abc$salt$${goodPbkdf2Hash}`],
    ["pbkdf2 negative iterations", `pbkdf2_sha256$-1000$salt$${goodPbkdf2Hash}`],
    ["pbkdf2 fractional iterations", `pbkdf2_sha256$1000.0$salt$${goodPbkdf2Hash}`],
    ["pbkdf2 zero iterations", `pbkdf2_sha256$0$salt$${goodPbkdf2Hash}`],
    ["pbkdf2 absurd iterations (would pin a thread)", `pbkdf2_sha256$99999999999$salt$${goodPbkdf2Hash}`],
    ["pbkdf2 hash that is not base64", "pbkdf2_sha256$1000$salt$!!!!"],
    ["pbkdf2 unknown digest", goodPbkdf2.replace("pbkdf2_sha256", "pbkdf2_sha512")],
    ["pbkdf2 uppercase algorithm", goodPbkdf2.replace("pbkdf2_sha256", "PBKDF2_SHA256")],
    ["whitespace", "   "],
  ];

  it.each(bad)("%s", async (_label, encoded) => {
    await expect(verifySecret(SECRET, encoded as string | null)).resolves.toBe(false);
  });

  it("the well-formed control case of that table does verify", async () => {
    await expect(verifySecret(SECRET, goodPbkdf2)).resolves.toBe(true);
  });
});

describe("hashAlgorithm and argon2Parameters", () => {
  it("names the supported algorithms only", () => {
    expect(hashAlgorithm(fixtures.hashes.argon2id_django_default)).toBe("argon2");
    expect(hashAlgorithm(fixtures.hashes.pbkdf2_sha256)).toBe("pbkdf2_sha256");
    expect(hashAlgorithm(fixtures.hashes.pbkdf2_sha1)).toBe("pbkdf2_sha1");
    expect(hashAlgorithm("md5$a$b")).toBeUndefined();
    expect(hashAlgorithm("argon2")).toBeUndefined();
    expect(hashAlgorithm("")).toBeUndefined();
  });

  it("reads the parameters of a Django Argon2 string, and nothing from others", () => {
    expect(argon2Parameters(fixtures.hashes.argon2id_django_default)).toEqual(DJANGO_DEFAULT);
    expect(argon2Parameters(fixtures.hashes.argon2id_cheap)).toEqual(CHEAP_ARGON2);
    expect(argon2Parameters(fixtures.hashes.pbkdf2_sha256)).toBeUndefined();
    expect(argon2Parameters("argon2$argon2id$nonsense")).toBeUndefined();
  });
});
