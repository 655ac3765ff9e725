export { textClassifier } from './classifier.ts';
