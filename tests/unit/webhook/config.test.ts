import { loadConfig, SETTINGS } from "../../../webhook/config";
import { ConfigError } from "../../../webhook/errors";

describe("loadConfig", () => {
  it("gives documented defaults with nothing set (the embedded demo)", () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.port).toBe(8080);
    expect(config.jwt.audience).toBe("Ghostwriter");
    expect(config.anonymous).toEqual({ allowed: true, role: "public" });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.cache)).toBe(true);
  });

  it("reads Ghostwriter's DJANGO_JWT_SECRET_KEY as the JWT secret", () => {
    const secret = "x".repeat(40);
    expect(loadConfig({ DJANGO_JWT_SECRET_KEY: secret }).jwt.secret).toBe(secret);
    expect(loadConfig({ JWT_SECRET: secret, DJANGO_JWT_SECRET_KEY: "y".repeat(40) }).jwt.secret).toBe(secret);
  });

  it("refuses to serve a real database without the JWT secret, but the CLI does not need it", () => {
    expect(() => loadConfig({ DATABASE_URL: "postgres://db/x" })).toThrow(/JWT_SECRET/);
    expect(loadConfig({ DATABASE_URL: "postgres://db/x" }, { purpose: "cli" }).databaseUrl).toBe("postgres://db/x");
    expect(loadConfig({ DATABASE_URL: "postgres://db/x", ACCEPT_JWT: "false" }).jwt.accept).toBe(false);
  });

  it("reports every problem at once", () => {
    try {
      loadConfig({ PORT: "eighty", LOG_LEVEL: "loud", ANONYMOUS_ROLE: "admin", AUTH_CACHE_MAX_AGE_SECONDS: "-1", JWT_SECRET: "short" });
      throw new Error("expected a ConfigError");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join("\n");
      for (const name of ["PORT", "LOG_LEVEL", "ANONYMOUS_ROLE", "AUTH_CACHE_MAX_AGE_SECONDS", "JWT_SECRET"]) expect(problems).toContain(name);
    }
  });

  it("declares each setting once, secrets without defaults", () => {
    const names = SETTINGS.flatMap((s) => [s.name, ...(s.aliases ?? [])]);
    expect(new Set(names).size).toBe(names.length);
    for (const setting of SETTINGS.filter((s) => s.secret)) expect(setting.default).toBeUndefined();
  });
});
