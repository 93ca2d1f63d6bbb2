CREATE TABLE "pattern_adds" (
	"id" serial PRIMARY KEY NOT NULL,
	"creator_id" text,
	"size" integer NOT NULL,
	"job_key" text DEFAULT substr(md5(random()::text || clock_timestamp()::text), 1, 12) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "evaluations" ADD COLUMN "pattern_add_id" integer;--> statement-breakpoint
ALTER TABLE "evaluations" ADD COLUMN "job_key" text DEFAULT substr(md5(random()::text || clock_timestamp()::text), 1, 12) NOT NULL;--> statement-breakpoint
ALTER TABLE "pattern_revisions" ADD COLUMN "add_id" integer;--> statement-breakpoint
CREATE INDEX "pattern_revisions_add_idx" ON "pattern_revisions" USING btree ("add_id");