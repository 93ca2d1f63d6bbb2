ALTER TABLE "patterns" ADD COLUMN "derived_from_pattern_id" integer;--> statement-breakpoint
ALTER TABLE "patterns" ADD COLUMN "perturbation" text;--> statement-breakpoint
ALTER TABLE "patterns" ADD CONSTRAINT "patterns_derived_from_pattern_id_patterns_id_fk" FOREIGN KEY ("derived_from_pattern_id") REFERENCES "public"."patterns"("id") ON DELETE set null ON UPDATE no action;