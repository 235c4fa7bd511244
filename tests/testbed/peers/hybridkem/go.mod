module pqcplan.test/hybridkem

go 1.24
