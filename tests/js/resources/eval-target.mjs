export default "imported from eval";
