-- Which kfp-run-operator actions a RunSchedule offers now. Core Lua only.
local actions = {}
local suspended = obj.spec ~= nil and obj.spec.suspend == true
actions["run-now"] = {["disabled"] = false}
actions["suspend"] = {["disabled"] = suspended}
actions["resume"] = {["disabled"] = not suspended}
return actions
