-- Creates one Run now from the schedule's template, as kubectl create job --from=cronjob/... does: a new value
-- of the trigger annotation is one Run, once (the operator records the token it acted on). The token is the time
-- of the click in UTC to the second, from the clock Argo CD gives actions (local os = require("os")); two clicks
-- in the same second ask for one Run.
local os = require("os")
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["pipelines.kfp.dev/trigger"] = "argocd-" .. os.date("!%Y%m%dT%H%M%SZ")
return obj
