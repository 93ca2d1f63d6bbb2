CREATE TABLE "control_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"action" text NOT NULL,
	"subject_type" text NOT NULL,
	"subject_id" integer NOT NULL,
	"actor" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "retired_by" text;--> statement-breakpoint
ALTER TABLE "patterns" ADD COLUMN "deactivated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "patterns" ADD COLUMN "deactivated_by" text;--> statement-breakpoint
CREATE INDEX "control_events_subject_idx" ON "control_events" USING btree ("subject_type","subject_id");--> statement-breakpoint
-- Hand-added (keep when regenerating): open duplicates made before the index get their key appended, so it can be built.
UPDATE "problems" p SET "title" = p."title" || ' (' || p."key" || ')' WHERE p."status" in ('open', 'monitoring') AND EXISTS (SELECT 1 FROM "problems" q WHERE q."status" in ('open', 'monitoring') AND lower(q."title") = lower(p."title") AND q."id" < p."id");--> statement-breakpoint
CREATE UNIQUE INDEX "problems_open_title_uq" ON "problems" USING btree (lower("title")) WHERE "problems"."status" in ('open', 'monitoring');