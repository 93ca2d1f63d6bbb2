CREATE TABLE "grader_calls" (
	"model_id" integer NOT NULL,
	"text_hash" text NOT NULL,
	"answer" jsonb NOT NULL,
	"latency_ms" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "models" ADD COLUMN "role" text DEFAULT 'candidate' NOT NULL;--> statement-breakpoint
ALTER TABLE "grader_calls" ADD CONSTRAINT "grader_calls_model_id_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."models"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "grader_calls_uq" ON "grader_calls" USING btree ("model_id","text_hash");