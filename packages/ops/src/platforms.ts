// The other analytics platforms' group calls, mapped onto identifications (docs/sdks.md).
export {};
