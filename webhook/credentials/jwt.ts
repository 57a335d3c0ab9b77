// Ghostwriter's JWTs: HS256 with DJANGO_JWT_SECRET_KEY, audience "Ghostwriter", exp checked with
// 10 s of leeway, and the header `typ` naming the kind. jose does the verification (alg "none"
// and every other algorithm are refused). Stricter than PyJWT on one point: `exp` and `sub` are
// required, since a JWT without expiry would never end and Ghostwriter never issues one.

import { errors, jwtVerify, type JWTPayload } from "jose";
import { reject } from "./rejection";

export const USER_JWT_TYPE = "ghostwriter-user+jwt";
export const COLLAB_JWT_TYPE = "ghostwriter-collab+jwt";
export type JwtType = typeof USER_JWT_TYPE | typeof COLLAB_JWT_TYPE;

const LEEWAY_SECONDS = 10;

export interface VerifiedJwt {
  readonly type: JwtType;
  readonly payload: JWTPayload & { sub: string; exp: number };
}

export interface JwtSettings {
  readonly secret: Uint8Array;
  readonly audience: string;
}

export async function verifyGhostwriterJwt(token: string, settings: JwtSettings, now: Date = new Date()): Promise<VerifiedJwt> {
  let result;
  try {
    result = await jwtVerify(token, settings.secret, {
      algorithms: ["HS256"],
      audience: settings.audience,
      clockTolerance: LEEWAY_SECONDS,
      requiredClaims: ["exp", "sub"],
      currentDate: now,
    });
  } catch (error) {
    if (error instanceof errors.JOSEError || error instanceof TypeError) return reject("jwt_invalid");
    throw error;
  }
  const { payload, protectedHeader } = result;
  if (typeof payload.sub !== "string" || payload.sub === "" || typeof payload.exp !== "number") return reject("jwt_invalid");
  const type = protectedHeader.typ;
  if (type !== USER_JWT_TYPE && type !== COLLAB_JWT_TYPE) return reject("jwt_type");
  return { type, payload: payload as VerifiedJwt["payload"] };
}
