package dev.kfp.operator.kfp;

/** The fields of a KFP experiment the operator needs: in multi-user KFP, its namespace owns its runs. */
public record KfpExperiment(String experimentId, String displayName, String namespace, KfpStorageState storageState) {}
