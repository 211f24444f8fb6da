-- Argo CD health of a pipelines.kfp.dev/v1alpha1 RunQueue (kfp-run-operator). Uses only Lua's core language and
-- base functions: Argo CD gives health scripts no string or math library unless useOpenLibs is set.
-- Degraded: a spec the operator refuses (no spec.maxActive of at least 1): every Run naming the queue waits.
-- Progressing: more Runs hold a slot than spec.maxActive allows (it was lowered, or the queue was created again
-- over active Runs): nobody is admitted until the count is below it. Healthy otherwise, also before the operator
-- has counted the queue's Runs (it does when a Run names the queue).
local health = {}

local function result(healthStatus, message)
  health.status = healthStatus
  health.message = message
  return health
end

local maxActive = nil
if obj.spec ~= nil then
  maxActive = obj.spec.maxActive
end
if type(maxActive) ~= "number" or maxActive < 1 then
  return result("Degraded", "spec.maxActive is " .. tostring(maxActive) .. "; it must be at least 1. Every Run "
    .. "naming this queue waits unsubmitted (QueueRefused) until it is fixed")
end

local status = obj.status
if status == nil or status.active == nil then
  return result("Healthy", "No Run has been counted in this queue yet; at most " .. tostring(maxActive)
    .. " active at once")
end

local waiting = status.waiting
if waiting == nil then
  waiting = 0
end
local counts = tostring(status.active) .. " of " .. tostring(maxActive) .. " active, " .. tostring(waiting)
  .. " waiting"
if status.active > maxActive then
  return result("Progressing", counts .. ": above spec.maxActive, so no Run is admitted until a slot is free")
end
return result("Healthy", counts)
