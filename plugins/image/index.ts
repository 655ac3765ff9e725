export { imageClassifier } from './classifier.ts';
