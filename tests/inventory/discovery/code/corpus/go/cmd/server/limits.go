package main

// A sibling file of the same package.
const signingBits = 3072
