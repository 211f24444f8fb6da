-- Which kfp-run-operator actions a Run offers now. Core Lua only (no string/math libraries needed).
local actions = {}
local state = nil
local terminated = nil
if obj.status ~= nil then
  state = obj.status.state
  terminated = obj.status.terminated
end
local active = state == "PENDING" or state == "RUNNING" or state == "PAUSED"
local archived = obj.spec ~= nil and obj.spec.archived == true
actions["terminate"] = {["disabled"] = not active or terminated ~= nil}
actions["retry"] = {["disabled"] = state ~= "FAILED"}
actions["archive"] = {["disabled"] = archived}
actions["unarchive"] = {["disabled"] = not archived}
return actions
