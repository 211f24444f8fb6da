-- Asks the operator to terminate the KFP run (once): any non-empty value of the terminate annotation.
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["pipelines.kfp.dev/terminate"] = "true"
return obj
