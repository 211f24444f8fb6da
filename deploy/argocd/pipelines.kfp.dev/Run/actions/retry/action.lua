-- Asks the operator to retry the failed KFP run. Every new value of the retry annotation is one retry, so the
-- token names the failure being retried, the time KFP recorded the run's latest FAILED state, not the time of the
-- click (which local os = require("os") would give): clicking twice before the operator acts asks for one retry,
-- not two; the next failure has a new time and so a new token.
local failedAt = nil
if obj.status ~= nil and obj.status.stateHistory ~= nil then
  for _, entry in ipairs(obj.status.stateHistory) do
    if entry.state == "FAILED" and entry.updateTime ~= nil then
      failedAt = entry.updateTime
    end
  end
end
if failedAt == nil and obj.status ~= nil then
  failedAt = obj.status.finishedAt
end
if failedAt == nil then
  failedAt = "unknown"
end
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["pipelines.kfp.dev/retry"] = "argocd-failed-at-" .. failedAt
return obj
