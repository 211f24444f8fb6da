-- Argo CD health of a pipelines.kfp.dev/v1alpha1 Run (kfp-run-operator). Uses only Lua's core language and
-- base functions: Argo CD gives health scripts no string or math library unless useOpenLibs is set.
local health = {}

local function condition(status, conditionType)
  if status.conditions == nil then
    return nil
  end
  for _, c in ipairs(status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function result(healthStatus, message)
  health.status = healthStatus
  health.message = message
  return health
end

local status = obj.status
if status == nil then
  return result("Progressing", "Waiting for the operator to submit the run")
end

local generation = obj.metadata.generation
if generation ~= nil and (status.observedGeneration == nil or status.observedGeneration < generation) then
  return result("Progressing", "Waiting for the operator to observe generation " .. tostring(generation))
end

local submitted = condition(status, "Submitted")
if submitted ~= nil and submitted.status == "False" and (submitted.reason == "Suspended" or submitted.reason == "Queued") then
  return result("Suspended", tostring(submitted.reason) .. ": " .. tostring(submitted.message))
end
if submitted ~= nil and submitted.status == "False"
    and (submitted.reason == "QueueNotFound" or submitted.reason == "CreateInDoubt") then
  return result("Progressing", tostring(submitted.reason) .. ": " .. tostring(submitted.message))
end
if submitted ~= nil and submitted.status == "False" then
  return result("Degraded", tostring(submitted.reason) .. ": " .. tostring(submitted.message))
end

local state = status.state
if status.runId == nil or state == nil then
  return result("Progressing", "Waiting for the operator to submit the run")
end

local succeeded = condition(status, "Succeeded")
local summary = "KFP run " .. status.runId .. " is " .. state
if succeeded ~= nil and succeeded.message ~= nil then
  summary = succeeded.message
end

if succeeded ~= nil and succeeded.status == "False" and succeeded.reason == "DeadlineExceeded" then
  return result("Degraded", summary)
end
if state == "SUCCEEDED" or state == "SKIPPED" then
  return result("Healthy", summary)
end
if state == "FAILED" or state == "CANCELED" then
  return result("Degraded", summary)
end

local annotations = obj.metadata.annotations
if annotations ~= nil and annotations["pipelines.kfp.dev/healthy-when-submitted"] == "true" then
  return result("Healthy", "KFP run " .. status.runId .. " submitted (healthy-when-submitted); it is " .. state)
end
if state == "PAUSED" then
  return result("Suspended", summary)
end
return result("Progressing", summary)
