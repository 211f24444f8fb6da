package dev.kfp.operator.kfp;

/** The bytes of an artifact as stored by Argo (usually a gzipped tar), already decoded from KFP's base64. */
public record ReadArtifactResponse(byte[] data) {}
