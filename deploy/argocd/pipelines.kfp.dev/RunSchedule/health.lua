-- Argo CD health of a pipelines.kfp.dev/v1alpha1 RunSchedule (kfp-run-operator). Core Lua only: Argo CD gives
-- health scripts no string or math library unless useOpenLibs is set.
-- Suspended: spec.suspend is true (no new slot starts). Degraded: the operator cannot read the schedule
-- (condition Ready=False, reason InvalidSchedule): no slot will ever start. Healthy otherwise, also before the
-- operator has looked at the schedule.
local health = {}

local function result(healthStatus, message)
  health.status = healthStatus
  health.message = message
  return health
end

local status = obj.status
local ready = nil
if status ~= nil and status.conditions ~= nil then
  for _, c in ipairs(status.conditions) do
    if c.type == "Ready" then
      ready = c
    end
  end
end

if ready ~= nil and ready.status == "False" and ready.reason == "InvalidSchedule" then
  return result("Degraded", "InvalidSchedule: " .. tostring(ready.message))
end
if obj.spec ~= nil and obj.spec.suspend == true then
  return result("Suspended", "spec.suspend is true: no new slot starts; active Runs go on")
end
if status == nil then
  return result("Healthy", "The operator has not looked at this schedule yet")
end
local active = status.activeCount
if active == nil then
  active = 0
end
local next = status.nextScheduleTime
if next == nil then
  next = "none"
end
return result("Healthy", tostring(active) .. " active; next slot " .. next)
