-- Lets slots start again; slots missed while suspended follow the missed-slot rules (only the latest starts).
obj.spec.suspend = false
return obj
