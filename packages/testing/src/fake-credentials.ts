import { FAKE_AWS_ENV } from '../lib/services.js'

/** Static fake credentials: the emulators accept anything, and nothing here may ever reach real AWS. */
export const FAKE_CREDENTIALS = Object.freeze({
  accessKeyId: FAKE_AWS_ENV.AWS_ACCESS_KEY_ID,
  secretAccessKey: FAKE_AWS_ENV.AWS_SECRET_ACCESS_KEY,
})

/** Region the test clients use unless told otherwise. */
export const DEFAULT_REGION = FAKE_AWS_ENV.AWS_REGION
