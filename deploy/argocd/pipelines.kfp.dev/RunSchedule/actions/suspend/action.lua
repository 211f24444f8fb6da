-- Stops new slots; active Runs go on. If Git sets spec.suspend, self-heal puts Git's value back.
obj.spec.suspend = true
return obj
