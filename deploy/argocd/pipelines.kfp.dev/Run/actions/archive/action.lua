-- Archives the KFP run: the operator follows spec.archived.
if obj.spec == nil then
  obj.spec = {}
end
obj.spec.archived = true
return obj
