CREATE TYPE "public"."evaluation_status" AS ENUM('queued', 'running', 'done', 'failed');--> statement-breakpoint
CREATE TYPE "public"."evaluation_trigger" AS ENUM('register', 'backfill', 'manual', 'ci');--> statement-breakpoint
CREATE TYPE "public"."model_status" AS ENUM('candidate', 'production', 'retired');--> statement-breakpoint
CREATE TYPE "public"."pattern_source" AS ENUM('production', 'contrived', 'import');--> statement-breakpoint
CREATE TYPE "public"."polarity" AS ENUM('positive', 'negative');--> statement-breakpoint
CREATE TYPE "public"."problem_status" AS ENUM('open', 'monitoring', 'resolved', 'wont_fix');--> statement-breakpoint
CREATE TYPE "public"."result_status" AS ENUM('passed', 'failed', 'errored');--> statement-breakpoint
CREATE TYPE "public"."severity" AS ENUM('low', 'medium', 'high', 'critical');--> statement-breakpoint
CREATE SEQUENCE "public"."problem_key_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "digests" (
	"tick" text PRIMARY KEY NOT NULL,
	"channel" text NOT NULL,
	"ts" text,
	"posted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "evaluations" (
	"id" serial PRIMARY KEY NOT NULL,
	"model_id" integer NOT NULL,
	"trigger" "evaluation_trigger" NOT NULL,
	"status" "evaluation_status" DEFAULT 'queued' NOT NULL,
	"pattern_revision_id" integer,
	"total" integer DEFAULT 0 NOT NULL,
	"done_count" integer DEFAULT 0 NOT NULL,
	"passed" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"errored" integer DEFAULT 0 NOT NULL,
	"summary" jsonb,
	"error" text,
	"requested_by" text,
	"slack_channel" text,
	"slack_thread_ts" text,
	"notified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "flags" (
	"id" serial PRIMARY KEY NOT NULL,
	"channel" text NOT NULL,
	"ts" text NOT NULL,
	"text" text NOT NULL,
	"flagged_by" text NOT NULL,
	"prompt_ts" text,
	"pattern_id" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "models" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"version" text NOT NULL,
	"adapter" text NOT NULL,
	"url" text NOT NULL,
	"endpoint_options" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"metrics" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" "model_status" DEFAULT 'candidate' NOT NULL,
	"repeats" integer DEFAULT 1 NOT NULL,
	"registered_by" text,
	"slack_channel" text,
	"slack_ts" text,
	"registered_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pattern_revisions" (
	"id" serial PRIMARY KEY NOT NULL,
	"pattern_id" integer NOT NULL,
	"revision" integer NOT NULL,
	"input" jsonb NOT NULL,
	"expectation" jsonb NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "patterns" (
	"id" serial PRIMARY KEY NOT NULL,
	"problem_id" integer NOT NULL,
	"polarity" "polarity" DEFAULT 'positive' NOT NULL,
	"source" "pattern_source" DEFAULT 'contrived' NOT NULL,
	"source_channel" text,
	"source_ts" text,
	"source_permalink" text,
	"fingerprint" text NOT NULL,
	"creator_id" text,
	"notes" text DEFAULT '' NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "problems" (
	"id" serial PRIMARY KEY NOT NULL,
	"key" text DEFAULT 'P-' || nextval('problem_key_seq') NOT NULL,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"status" "problem_status" DEFAULT 'open' NOT NULL,
	"severity" "severity" DEFAULT 'medium' NOT NULL,
	"threshold" double precision,
	"owner_id" text,
	"creator_id" text,
	"home_channel" text,
	"home_ts" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "results" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"model_id" integer NOT NULL,
	"pattern_revision_id" integer NOT NULL,
	"pattern_id" integer NOT NULL,
	"problem_id" integer NOT NULL,
	"run" integer DEFAULT 1 NOT NULL,
	"evaluation_id" integer,
	"status" "result_status" NOT NULL,
	"output" jsonb,
	"prediction" jsonb,
	"reason" text DEFAULT '' NOT NULL,
	"latency_ms" integer,
	"attempts" integer DEFAULT 1 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signoffs" (
	"id" serial PRIMARY KEY NOT NULL,
	"problem_id" integer NOT NULL,
	"model_id" integer NOT NULL,
	"pass_rate" double precision NOT NULL,
	"signed_by" text NOT NULL,
	"signed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	"broken_at" timestamp with time zone,
	"broken_by_model_id" integer
);
--> statement-breakpoint
CREATE TABLE "slack_events" (
	"event_id" text PRIMARY KEY NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "slack_messages" (
	"key" text PRIMARY KEY NOT NULL,
	"channel" text NOT NULL,
	"ts" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_pattern_revision_id_pattern_revisions_id_fk" FOREIGN KEY ("pattern_revision_id") REFERENCES "public"."pattern_revisions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flags" ADD CONSTRAINT "flags_pattern_id_patterns_id_fk" FOREIGN KEY ("pattern_id") REFERENCES "public"."patterns"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pattern_revisions" ADD CONSTRAINT "pattern_revisions_pattern_id_patterns_id_fk" FOREIGN KEY ("pattern_id") REFERENCES "public"."patterns"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "patterns" ADD CONSTRAINT "patterns_problem_id_problems_id_fk" FOREIGN KEY ("problem_id") REFERENCES "public"."problems"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_pattern_revision_id_pattern_revisions_id_fk" FOREIGN KEY ("pattern_revision_id") REFERENCES "public"."pattern_revisions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "results" ADD CONSTRAINT "results_evaluation_id_evaluations_id_fk" FOREIGN KEY ("evaluation_id") REFERENCES "public"."evaluations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signoffs" ADD CONSTRAINT "signoffs_problem_id_problems_id_fk" FOREIGN KEY ("problem_id") REFERENCES "public"."problems"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signoffs" ADD CONSTRAINT "signoffs_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signoffs" ADD CONSTRAINT "signoffs_broken_by_model_id_models_id_fk" FOREIGN KEY ("broken_by_model_id") REFERENCES "public"."models"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "evaluations_model_idx" ON "evaluations" USING btree ("model_id");--> statement-breakpoint
CREATE INDEX "evaluations_status_idx" ON "evaluations" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "flags_message_uq" ON "flags" USING btree ("channel","ts");--> statement-breakpoint
CREATE UNIQUE INDEX "models_name_version_uq" ON "models" USING btree ("name","version");--> statement-breakpoint
CREATE INDEX "models_status_idx" ON "models" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "pattern_revisions_uq" ON "pattern_revisions" USING btree ("pattern_id","revision");--> statement-breakpoint
CREATE INDEX "patterns_problem_idx" ON "patterns" USING btree ("problem_id");--> statement-breakpoint
CREATE UNIQUE INDEX "patterns_source_uq" ON "patterns" USING btree ("source_channel","source_ts");--> statement-breakpoint
CREATE UNIQUE INDEX "patterns_fingerprint_uq" ON "patterns" USING btree ("problem_id","fingerprint");--> statement-breakpoint
CREATE UNIQUE INDEX "problems_key_uq" ON "problems" USING btree ("key");--> statement-breakpoint
CREATE INDEX "problems_status_idx" ON "problems" USING btree ("status");--> statement-breakpoint
CREATE UNIQUE INDEX "results_model_revision_run_uq" ON "results" USING btree ("model_id","pattern_revision_id","run");--> statement-breakpoint
CREATE INDEX "results_model_problem_idx" ON "results" USING btree ("model_id","problem_id");--> statement-breakpoint
CREATE INDEX "results_problem_model_idx" ON "results" USING btree ("problem_id","model_id");--> statement-breakpoint
CREATE INDEX "results_revision_idx" ON "results" USING btree ("pattern_revision_id");--> statement-breakpoint
CREATE INDEX "results_evaluation_idx" ON "results" USING btree ("evaluation_id");--> statement-breakpoint
CREATE INDEX "signoffs_problem_idx" ON "signoffs" USING btree ("problem_id");