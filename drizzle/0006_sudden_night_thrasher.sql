CREATE TYPE "public"."observation_status" AS ENUM('untriaged', 'patterned', 'dismissed');--> statement-breakpoint
CREATE TYPE "public"."rating_value" AS ENUM('up', 'down');--> statement-breakpoint
CREATE TABLE "observation_ratings" (
	"observation_id" bigint NOT NULL,
	"rater" text NOT NULL,
	"rating" "rating_value" NOT NULL,
	"source" text NOT NULL,
	"rated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "observations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"model_id" integer,
	"input" jsonb,
	"output" jsonb,
	"input_hash" text,
	"at" timestamp with time zone NOT NULL,
	"user_id" text,
	"comment" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"external_id" text,
	"slack_channel" text,
	"slack_ts" text,
	"ups" integer DEFAULT 0 NOT NULL,
	"downs" integer DEFAULT 0 NOT NULL,
	"status" "observation_status" DEFAULT 'untriaged' NOT NULL,
	"pattern_id" integer,
	"triaged_by" text,
	"triaged_at" timestamp with time zone,
	"dismiss_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "observation_ratings" ADD CONSTRAINT "observation_ratings_observation_id_observations_id_fk" FOREIGN KEY ("observation_id") REFERENCES "public"."observations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "observations" ADD CONSTRAINT "observations_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "observations" ADD CONSTRAINT "observations_pattern_id_patterns_id_fk" FOREIGN KEY ("pattern_id") REFERENCES "public"."patterns"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "observation_ratings_uq" ON "observation_ratings" USING btree ("observation_id","rater");--> statement-breakpoint
CREATE UNIQUE INDEX "observations_external_uq" ON "observations" USING btree ("external_id");--> statement-breakpoint
CREATE UNIQUE INDEX "observations_slack_uq" ON "observations" USING btree ("slack_channel","slack_ts");--> statement-breakpoint
CREATE INDEX "observations_at_idx" ON "observations" USING btree ("at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "observations_model_at_idx" ON "observations" USING btree ("model_id","at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "observations_triage_idx" ON "observations" USING btree ("at" DESC NULLS LAST,"id" DESC NULLS LAST) WHERE "observations"."status" = 'untriaged' and "observations"."downs" > 0;--> statement-breakpoint
CREATE INDEX "observations_pattern_idx" ON "observations" USING btree ("pattern_id");--> statement-breakpoint
CREATE INDEX "observations_input_hash_idx" ON "observations" USING btree ("input_hash") WHERE "observations"."status" = 'untriaged';