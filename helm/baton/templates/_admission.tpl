{{/*
Helpers of the ValidatingAdmissionPolicy (admission-policy.yaml).

CEL in admission policies has no recursion and, on the API servers this chart supports
(1.30+; lists.flatten() came only with 1.34), no way to flatten a list of lists. So
"some step, at any depth, ..." is written out level by level: level 0 is spec.steps,
level k the steps of loops nested k deep. Baton refuses loops nested deeper than 10
(Limits.DEFAULT_MAX_LOOP_DEPTH), so levels 0..10 hold every step the operator would ever
run, and the policy refuses a Workflow whose level-10 steps still have steps of their
own (which the operator would refuse anyway), so no step escapes the checks.
*/}}
{{- define "baton.vap.maxLevel" -}}10{{- end }}

{{/*
baton.vap.anyStep: a CEL expression that is true when some step at some level makes
the predicate true. The predicate is a CEL expression over "%STEP%", the step.
  include "baton.vap.anyStep" "has(%STEP%.job)"
*/}}
{{- define "baton.vap.anyStep" -}}
{{- $pred := . }}
{{- $levels := list }}
{{- range $k := until (add1 (int (include "baton.vap.maxLevel" $)) | int) }}
{{- $open := "variables.steps.exists(s0, " }}
{{- $close := ")" }}
{{- range $i := until $k }}
{{- $open = printf "%shas(s%d.steps) && s%d.steps.exists(s%d, " $open $i $i (add1 $i) }}
{{- $close = printf "%s)" $close }}
{{- end }}
{{- $levels = append $levels (printf "%s%s%s" $open (replace "%STEP%" (printf "s%d" $k) $pred) $close) }}
{{- end }}
{{- join " ||\n" $levels }}
{{- end }}

{{/*
baton.vap.podSpec: a CEL predicate over the step "%STEP%" that is true when the step has a
podTemplate.spec and the given predicate over "%POD%" (that pod spec) holds.
*/}}
{{- define "baton.vap.podSpec" -}}
has(%STEP%.job) && has(%STEP%.job.podTemplate) && has(%STEP%.job.podTemplate.spec) && ({{ replace "%POD%" "%STEP%.job.podTemplate.spec" . }})
{{- end }}
