import { authorizationFromPost, headerFromPost, presentedCredential } from "../../../webhook/hasura/request";

describe("presentedCredential (Ghostwriter's get_bearer_token_from_request)", () => {
  it.each([
    [undefined, { kind: "none" }],
    ["", { kind: "none" }],
    ["Bearer", { kind: "none" }],
    ["Bearer ", { kind: "none" }],
    ["bearer abc", { kind: "none" }],
    ["BEARER abc", { kind: "none" }],
    ["Basic dXNlcjpwYXNz", { kind: "none" }],
    ["Token abc", { kind: "none" }],
    ["Bearer abc", { kind: "bearer", token: "abc" }],
    // split(" ", 1): the rest is taken verbatim, spaces included.
    ["Bearer  abc", { kind: "bearer", token: " abc" }],
    ["Bearer a b", { kind: "bearer", token: "a b" }],
  ])("%j -> %j", (header, expected) => {
    expect(presentedCredential(header as string | undefined)).toEqual(expected);
  });

  it("treats conflicting duplicate values as invalid, identical ones as one", () => {
    expect(presentedCredential(["Bearer a", "Bearer b"])).toEqual({ kind: "invalid" });
    expect(presentedCredential(["Bearer a", "Bearer a"])).toEqual({ kind: "bearer", token: "a" });
  });
});

describe("authorizationFromPost (Hasura POST mode body)", () => {
  it("finds the header whatever its case", () => {
    for (const name of ["Authorization", "authorization", "AUTHORIZATION", "aUtHoRiZaTiOn"]) {
      expect(authorizationFromPost({ headers: { [name]: "Bearer x" }, request: null })).toBe("Bearer x");
    }
  });

  it("accepts every shape of `request`", () => {
    const headers = { Authorization: "Bearer x" };
    for (const request of [{ query: "{ a }" }, [{ query: "{ a }" }, { query: "{ b }" }], null, undefined, "invalid-query"]) {
      expect(authorizationFromPost(request === undefined ? { headers } : { headers, request })).toBe("Bearer x");
    }
  });

  it("reports no header, and an unusable body, distinctly", () => {
    expect(authorizationFromPost({ headers: {} })).toBeUndefined();
    expect(authorizationFromPost({})).toBeUndefined();
    expect(authorizationFromPost(null)).toBeNull();
    expect(authorizationFromPost([1, 2])).toBeNull();
    expect(authorizationFromPost("text")).toBeNull();
    expect(authorizationFromPost({ headers: "Authorization: Bearer x" })).toBeNull();
    expect(authorizationFromPost({ headers: { Authorization: 42 } })).toBeNull();
  });

  it("returns every value when the name repeats in different cases", () => {
    expect(authorizationFromPost({ headers: { Authorization: "Bearer a", authorization: "Bearer b" } })).toEqual(["Bearer a", "Bearer b"]);
  });

  it("reads other headers case-insensitively", () => {
    expect(headerFromPost({ headers: { "X-Real-IP": "203.0.113.9" } }, "x-real-ip")).toBe("203.0.113.9");
    expect(headerFromPost({ headers: {} }, "x-real-ip")).toBeUndefined();
  });
});
