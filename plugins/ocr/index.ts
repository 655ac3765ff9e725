export { ocrRecognizer } from './recognizer.ts';
export { ocrPage } from './page.ts';
