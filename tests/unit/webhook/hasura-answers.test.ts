import { anonymousAnswer, collabAnswer, serviceAnswer, userAnswer, withMaxAge } from "../../../webhook/hasura/answers";
import { collabScope } from "../../../webhook/credentials/collab-jwt";
import { CredentialRejected } from "../../../webhook/credentials/rejection";

const allStrings = (body: Record<string, unknown>) => Object.values(body).every((v) => typeof v === "string");

describe("webhook answers (Ghostwriter parity)", () => {
  it("anonymous", () => {
    expect(anonymousAnswer("public")).toEqual({ "X-Hasura-Role": "public", "X-Hasura-User-Id": "-1", "X-Hasura-User-Name": "anonymous" });
  });

  it("a service token: every value a string, no user id", () => {
    const body = serviceAnswer({ principalName: "Mythic Sync", principalId: "1", tokenId: "1", preset: "oplog_rw", oplogs: { read: "7", create: "7", update: "7", delete: "7" } });
    expect(body).toEqual({
      "X-Hasura-Role": "service",
      "X-Hasura-User-Name": "Mythic Sync",
      "X-Hasura-Service-Principal-Id": "1",
      "X-Hasura-Service-Token-Id": "1",
      "X-Hasura-Read-Oplog-Id": "7",
      "X-Hasura-Create-OplogEntry-Oplog-Id": "7",
      "X-Hasura-Update-OplogEntry-Oplog-Id": "7",
      "X-Hasura-Delete-OplogEntry-Oplog-Id": "7",
      "X-Hasura-Principal-Type": "service",
      "X-Hasura-Service-Token-Preset": "oplog_rw",
    });
    expect(body).not.toHaveProperty("X-Hasura-User-Id");
    expect(allStrings(body)).toBe(true);
  });

  it("a user and a collab answer", () => {
    expect(userAnswer({ id: "5", username: "alice", role: "manager" })).toEqual({ "X-Hasura-Role": "manager", "X-Hasura-User-Id": "5", "X-Hasura-User-Name": "alice" });
    const collab = collabAnswer({ id: "5", username: "alice" }, { model: "report", objectId: "0", reportId: "0", findingId: "-1" });
    expect(collab["X-Hasura-Role"]).toBe("collab");
    expect(allStrings(collab)).toBe(true);
  });

  it("max-age is the ceiling or the seconds left, whichever is smaller, never negative", () => {
    const now = Date.UTC(2026, 0, 1);
    expect(withMaxAge({}, 60, null, now)["Cache-Control"]).toBe("max-age=60");
    expect(withMaxAge({}, 60, new Date(now + 30_500), now)["Cache-Control"]).toBe("max-age=30");
    expect(withMaxAge({}, 60, new Date(now + 3_600_000), now)["Cache-Control"]).toBe("max-age=60");
    expect(withMaxAge({}, 60, new Date(now - 1_000), now)["Cache-Control"]).toBe("max-age=0");
  });

  it("a ceiling of 0 (no answer caching) leaves only the credential's own expiry, or no key", () => {
    const now = Date.UTC(2026, 0, 1);
    expect(withMaxAge({ a: "b" }, 0, null, now)).toEqual({ a: "b" });
    expect(withMaxAge({}, 0, new Date(now + 90_000), now)["Cache-Control"]).toBe("max-age=90");
  });
});

describe("collab scope claims", () => {
  it("missing, null and empty ids become -1; 0 is kept", () => {
    expect(collabScope({ gw_collab_model: "report", gw_collab_object_id: 0, gw_collab_report_id: 0 })).toEqual({ model: "report", objectId: "0", reportId: "0", findingId: "-1" });
    expect(collabScope({ gw_collab_object_id: null, gw_collab_report_id: "", gw_collab_finding_id: "12" })).toEqual({ model: "", objectId: "-1", reportId: "-1", findingId: "12" });
  });

  it("refuses ids that are not whole numbers", () => {
    expect(() => collabScope({ gw_collab_object_id: "1 OR 1=1" })).toThrow(CredentialRejected);
    expect(() => collabScope({ gw_collab_object_id: 1.5 })).toThrow(CredentialRejected);
    expect(() => collabScope({ gw_collab_model: 7 })).toThrow(CredentialRejected);
  });
});
