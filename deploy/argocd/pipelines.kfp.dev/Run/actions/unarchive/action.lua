-- Restores an archived KFP run: the operator follows spec.archived.
if obj.spec == nil then
  obj.spec = {}
end
obj.spec.archived = false
return obj
