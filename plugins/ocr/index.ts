export { ocrRecognizer } from './recognizer.ts';
export { ocrAngle } from './angle.ts';
export { ocrPage } from './page.ts';
