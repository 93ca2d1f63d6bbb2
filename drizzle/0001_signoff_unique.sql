-- Duplicates made before the index existed would stop it being built: all but the first are revoked.
UPDATE "signoffs" AS "s" SET "revoked_at" = now(), "revoked_by" = 'canary: duplicate sign-off'
WHERE "s"."revoked_at" is null AND "s"."broken_at" is null AND EXISTS (
  SELECT 1 FROM "signoffs" AS "o"
  WHERE "o"."problem_id" = "s"."problem_id" AND "o"."model_id" = "s"."model_id" AND "o"."signed_by" = "s"."signed_by"
    AND "o"."revoked_at" is null AND "o"."broken_at" is null AND "o"."id" < "s"."id"
);--> statement-breakpoint
CREATE UNIQUE INDEX "signoffs_standing_uq" ON "signoffs" USING btree ("problem_id","model_id","signed_by") WHERE "signoffs"."revoked_at" is null and "signoffs"."broken_at" is null;