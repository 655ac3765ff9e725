export { faceDetector } from './detector.ts';
export { faceClassifier } from './classifier.ts';
