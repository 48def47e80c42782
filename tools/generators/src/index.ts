export { serviceGenerator, type ServiceGeneratorSchema } from './service/generator';
