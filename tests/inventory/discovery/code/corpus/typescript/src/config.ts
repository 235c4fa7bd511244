// Constants the scanned code imports: the scanner must follow them across files.
export const RSA_BITS = 1024;
export const JWT_ALG = 'PS256';
