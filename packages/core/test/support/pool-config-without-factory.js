// A config module that forgets to export createCryptoConfig (EncryptorPool must refuse it).
exports.somethingElse = () => undefined
